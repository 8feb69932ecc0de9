-- Usernames are compared in one normalised form, computed by the application (src/users/username.ts:
-- NFKC, JavaScript's toLowerCase(), NFKC) and stored here; its unique index replaces the one on lower().
ALTER TABLE "users" ADD COLUMN "username_normalized" text;--> statement-breakpoint
-- Backfill of existing rows. lower(normalize(username, NFKC)) is the best SQL can do: PostgreSQL's lower()
-- follows the database's locale (under C it folds ASCII letters only, and no locale maps İ as JavaScript
-- does), so for a non-ASCII name it may differ from the application's form. The API recomputes those rows
-- in JavaScript at start-up (UserService.renormalizeUsernames), before it serves requests.
UPDATE "users" SET "username_normalized" = lower(normalize("username", NFKC));--> statement-breakpoint
-- Names the old index let through as different (they differed in width, such as ａｄｍｉｎ and admin) now
-- collide: the oldest account keeps the name; a later one gets a key no login can type (usernames never
-- contain "#"), so it still logs in by email and can choose a new username.
UPDATE "users" AS u SET "username_normalized" = u."username_normalized" || '#' || u."id"
WHERE EXISTS (
  SELECT 1 FROM "users" AS o WHERE o."username_normalized" = u."username_normalized" AND o."id" < u."id"
);--> statement-breakpoint
ALTER TABLE "users" ALTER COLUMN "username_normalized" SET NOT NULL;--> statement-breakpoint
DROP INDEX "users_username_lower_key";--> statement-breakpoint
CREATE UNIQUE INDEX "users_username_normalized_key" ON "users" USING btree ("username_normalized");
