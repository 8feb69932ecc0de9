CREATE TYPE "public"."email_token_purpose" AS ENUM('verify_email', 'reset_password');--> statement-breakpoint
ALTER TYPE "public"."outbox_kind" ADD VALUE 'verification';--> statement-breakpoint
ALTER TYPE "public"."outbox_kind" ADD VALUE 'password_reset';--> statement-breakpoint
CREATE TABLE "email_tokens" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "email_tokens_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"user_id" integer NOT NULL,
	"purpose" "email_token_purpose" NOT NULL,
	"email" varchar(254) NOT NULL,
	"token_hash" varchar(64) NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL,
	"used_at" timestamp (3) with time zone,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ticket_participants" (
	"ticket_id" integer NOT NULL,
	"address" varchar(254) NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ticket_participants_ticket_id_address_pk" PRIMARY KEY("ticket_id","address")
);
--> statement-breakpoint
DROP INDEX "email_messages_mailbox_direction_message_id_key";--> statement-breakpoint
DROP INDEX "messages_author_id_idx";--> statement-breakpoint
ALTER TABLE "outbox" ALTER COLUMN "ticket_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "channel" "message_channel" DEFAULT 'api' NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "email_verified_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "email_tokens" ADD CONSTRAINT "email_tokens_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ticket_participants" ADD CONSTRAINT "ticket_participants_ticket_id_tickets_id_fk" FOREIGN KEY ("ticket_id") REFERENCES "public"."tickets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "email_tokens_token_hash_key" ON "email_tokens" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "email_tokens_user_id_idx" ON "email_tokens" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "email_tokens_email_created_at_idx" ON "email_tokens" USING btree ("email","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "email_messages_mailbox_direction_sender_message_id_key" ON "email_messages" USING btree ("mailbox","direction",coalesce("from_address", ''),"header_message_id") WHERE "email_messages"."outcome" <> 'duplicate';--> statement-breakpoint
CREATE INDEX "email_messages_from_created_at_idx" ON "email_messages" USING btree ("from_address","created_at");--> statement-breakpoint
CREATE INDEX "messages_author_created_at_idx" ON "messages" USING btree ("author_id","created_at");--> statement-breakpoint
-- Data: tickets that were opened by mail (their opening mail is in the mail log) are marked so; staff
-- accounts, created by an admin or the configured bootstrap admin, count as verified. Customers verify.
UPDATE "tickets" SET "channel" = 'email' WHERE "id" IN (SELECT "ticket_id" FROM "email_messages" WHERE "outcome" = 'ticket_created' AND "ticket_id" IS NOT NULL);--> statement-breakpoint
UPDATE "users" SET "email_verified_at" = now() WHERE "role" <> 'customer';
