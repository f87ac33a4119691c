CREATE TABLE `hosts` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`address` text DEFAULT '' NOT NULL,
	`labels` text DEFAULT '{}' NOT NULL,
	`status` text NOT NULL,
	`status_reason` text,
	`last_heartbeat_at` integer,
	`info` text,
	`credential_ciphertext` text,
	`join_token_hash` text,
	`join_token_expires_at` integer,
	`joined_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `hosts_name_uq` ON `hosts` (`name`);--> statement-breakpoint
CREATE UNIQUE INDEX `hosts_join_token_hash_uq` ON `hosts` (`join_token_hash`);--> statement-breakpoint
CREATE TABLE `workspace_placements` (
	`workspace_id` text PRIMARY KEY NOT NULL,
	`host_id` text NOT NULL,
	`container_name` text NOT NULL,
	`image` text NOT NULL,
	`source_volume` text,
	`desired` text NOT NULL,
	`observed` text NOT NULL,
	`reason` text,
	`observed_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`host_id`) REFERENCES `hosts`(`id`) ON UPDATE no action ON DELETE restrict
);
--> statement-breakpoint
CREATE INDEX `workspace_placements_host_idx` ON `workspace_placements` (`host_id`);