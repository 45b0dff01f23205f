DROP TABLE api_tokens;
DROP TABLE contacts;
DROP TABLE populations;
DROP TABLE members;
DROP TABLE organisations;
