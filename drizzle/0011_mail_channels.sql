CREATE TABLE "mail_channels" (
	"support_address" varchar(254) PRIMARY KEY NOT NULL,
	"from_name" text NOT NULL,
	"last_seen_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
