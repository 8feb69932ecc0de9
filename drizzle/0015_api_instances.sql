CREATE TABLE "api_instances" (
	"id" uuid PRIMARY KEY NOT NULL,
	"key_fingerprint" varchar(64) NOT NULL,
	"host" varchar(255) NOT NULL,
	"pid" integer NOT NULL,
	"started_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
