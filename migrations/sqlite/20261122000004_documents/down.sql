DROP TABLE organisation_logos;
DROP TABLE document_templates;
DROP TABLE documents;
