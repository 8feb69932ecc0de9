ALTER TYPE "public"."ticket_event_type" ADD VALUE 'sla.breached';--> statement-breakpoint
CREATE TABLE "sla_policies" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "sla_policies_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"name" varchar(100) NOT NULL,
	"priority" "ticket_priority",
	"first_response_minutes" integer NOT NULL,
	"resolution_minutes" integer NOT NULL,
	"business_hours" jsonb,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sla_policies_priority_key" UNIQUE NULLS NOT DISTINCT("priority")
);
--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "sla_policy_id" integer;--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "sla_first_response_due_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "sla_resolution_started_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "sla_resolution_due_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "sla_first_responded_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "sla_first_response_breached_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "sla_resolution_breached_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "tickets" ADD CONSTRAINT "tickets_sla_policy_id_sla_policies_id_fk" FOREIGN KEY ("sla_policy_id") REFERENCES "public"."sla_policies"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "tickets_sla_first_response_due_idx" ON "tickets" USING btree ("sla_first_response_due_at") WHERE "tickets"."sla_first_responded_at" IS NULL AND "tickets"."sla_first_response_breached_at" IS NULL;--> statement-breakpoint
CREATE INDEX "tickets_sla_resolution_due_idx" ON "tickets" USING btree ("sla_resolution_due_at") WHERE "tickets"."sla_resolution_breached_at" IS NULL;--> statement-breakpoint
CREATE INDEX "tickets_sla_policy_id_idx" ON "tickets" USING btree ("sla_policy_id");