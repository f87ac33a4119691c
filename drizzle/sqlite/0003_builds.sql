CREATE TABLE `build_events` (
	`build_id` text NOT NULL,
	`seq` integer NOT NULL,
	`type` text NOT NULL,
	`data` text NOT NULL,
	`at` integer NOT NULL,
	PRIMARY KEY(`build_id`, `seq`),
	FOREIGN KEY (`build_id`) REFERENCES `builds`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `builds` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`host` text NOT NULL,
	`status` text NOT NULL,
	`requested_builder` text,
	`builder` text,
	`no_cache` integer DEFAULT false NOT NULL,
	`requested_by` text NOT NULL,
	`requested_by_id` text,
	`request` text NOT NULL,
	`tag` text,
	`image_id` text,
	`digest` text,
	`inputs_hash` text,
	`reused` integer,
	`dockerfile` text,
	`base_image` text,
	`language` text,
	`steps` text DEFAULT '[]' NOT NULL,
	`failure` text,
	`last_seq` integer DEFAULT 0 NOT NULL,
	`log_bytes` integer DEFAULT 0 NOT NULL,
	`log_truncated` integer DEFAULT false NOT NULL,
	`cancel_requested_at` integer,
	`runner` text,
	`heartbeat_at` integer,
	`created_at` integer NOT NULL,
	`started_at` integer,
	`finished_at` integer,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `builds_workspace_idx` ON `builds` (`workspace_id`,`id`);--> statement-breakpoint
CREATE INDEX `builds_status_host_idx` ON `builds` (`status`,`host`,`id`);