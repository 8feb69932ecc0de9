-- Login answers stored under an Idempotency-Key before login stopped taking one carry bearer tokens in
-- plain text (kept up to 24 hours): dropped, not left to expire.
DELETE FROM "idempotency_keys" WHERE "body" LIKE '%"access_token"%';--> statement-breakpoint
DROP INDEX "idempotency_keys_user_key_key";--> statement-breakpoint
-- Anonymous keys (user 0) are scoped per client address; '' for a user's keys and for rows from before.
ALTER TABLE "idempotency_keys" ADD COLUMN "client" varchar(64) DEFAULT '' NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "idempotency_keys_user_client_key_key" ON "idempotency_keys" USING btree ("user_id","client","key");
