DROP TABLE mailing_messages;
DROP TABLE mailings;
