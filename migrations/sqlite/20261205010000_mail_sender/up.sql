-- The From and Reply-To of an organisation's email, each an address with an optional
-- display name; NULL: the deployment's sender in the organisation's name, and replies to
-- the contact address.
ALTER TABLE organisations ADD COLUMN email_from_name TEXT;
ALTER TABLE organisations ADD COLUMN email_from_address TEXT;
ALTER TABLE organisations ADD COLUMN email_reply_to_name TEXT;
ALTER TABLE organisations ADD COLUMN email_reply_to_address TEXT;

-- The From and Reply-To a message was written with, so that every attempt carries the
-- same; NULL (messages written before): the organisation's as they stand when it is sent.
ALTER TABLE outbox ADD COLUMN from_name TEXT;
ALTER TABLE outbox ADD COLUMN from_address TEXT;
ALTER TABLE outbox ADD COLUMN reply_to_name TEXT;
ALTER TABLE outbox ADD COLUMN reply_to_address TEXT;
