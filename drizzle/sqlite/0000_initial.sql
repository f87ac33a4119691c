CREATE TABLE `apps` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`sort_key` text NOT NULL,
	`labels` text DEFAULT '{}' NOT NULL,
	`annotations` text DEFAULT '{}' NOT NULL,
	`spec` text DEFAULT '{}' NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`ecosystem_id` text NOT NULL,
	`domain_id` text NOT NULL,
	FOREIGN KEY (`ecosystem_id`) REFERENCES `ecosystems`(`id`) ON UPDATE no action ON DELETE restrict,
	FOREIGN KEY (`domain_id`) REFERENCES `domains`(`id`) ON UPDATE no action ON DELETE restrict
);
--> statement-breakpoint
CREATE UNIQUE INDEX `apps_sort_key_uq` ON `apps` (`sort_key`);--> statement-breakpoint
CREATE UNIQUE INDEX `apps_parent_name_uq` ON `apps` (`domain_id`,`name`);--> statement-breakpoint
CREATE INDEX `apps_ecosystem_sort_idx` ON `apps` (`ecosystem_id`,`sort_key`);--> statement-breakpoint
CREATE INDEX `apps_domain_sort_idx` ON `apps` (`domain_id`,`sort_key`);--> statement-breakpoint
CREATE TABLE `domains` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`sort_key` text NOT NULL,
	`labels` text DEFAULT '{}' NOT NULL,
	`annotations` text DEFAULT '{}' NOT NULL,
	`spec` text DEFAULT '{}' NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`ecosystem_id` text NOT NULL,
	FOREIGN KEY (`ecosystem_id`) REFERENCES `ecosystems`(`id`) ON UPDATE no action ON DELETE restrict
);
--> statement-breakpoint
CREATE UNIQUE INDEX `domains_sort_key_uq` ON `domains` (`sort_key`);--> statement-breakpoint
CREATE UNIQUE INDEX `domains_parent_name_uq` ON `domains` (`ecosystem_id`,`name`);--> statement-breakpoint
CREATE INDEX `domains_ecosystem_sort_idx` ON `domains` (`ecosystem_id`,`sort_key`);--> statement-breakpoint
CREATE TABLE `ecosystems` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`sort_key` text NOT NULL,
	`labels` text DEFAULT '{}' NOT NULL,
	`annotations` text DEFAULT '{}' NOT NULL,
	`spec` text DEFAULT '{}' NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ecosystems_sort_key_uq` ON `ecosystems` (`sort_key`);--> statement-breakpoint
CREATE UNIQUE INDEX `ecosystems_name_uq` ON `ecosystems` (`name`);--> statement-breakpoint
CREATE TABLE `user_contexts` (
	`user_id` text PRIMARY KEY NOT NULL,
	`ecosystem_id` text,
	`domain_id` text,
	`app_id` text,
	`workspace_id` text,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`ecosystem_id`) REFERENCES `ecosystems`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`domain_id`) REFERENCES `domains`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`app_id`) REFERENCES `apps`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE TABLE `workspaces` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`sort_key` text NOT NULL,
	`labels` text DEFAULT '{}' NOT NULL,
	`annotations` text DEFAULT '{}' NOT NULL,
	`spec` text DEFAULT '{}' NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`ecosystem_id` text NOT NULL,
	`domain_id` text NOT NULL,
	`app_id` text NOT NULL,
	FOREIGN KEY (`ecosystem_id`) REFERENCES `ecosystems`(`id`) ON UPDATE no action ON DELETE restrict,
	FOREIGN KEY (`domain_id`) REFERENCES `domains`(`id`) ON UPDATE no action ON DELETE restrict,
	FOREIGN KEY (`app_id`) REFERENCES `apps`(`id`) ON UPDATE no action ON DELETE restrict
);
--> statement-breakpoint
CREATE UNIQUE INDEX `workspaces_sort_key_uq` ON `workspaces` (`sort_key`);--> statement-breakpoint
CREATE UNIQUE INDEX `workspaces_parent_name_uq` ON `workspaces` (`app_id`,`name`);--> statement-breakpoint
CREATE INDEX `workspaces_ecosystem_sort_idx` ON `workspaces` (`ecosystem_id`,`sort_key`);--> statement-breakpoint
CREATE INDEX `workspaces_domain_sort_idx` ON `workspaces` (`domain_id`,`sort_key`);--> statement-breakpoint
CREATE INDEX `workspaces_app_sort_idx` ON `workspaces` (`app_id`,`sort_key`);