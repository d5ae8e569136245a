-- TLS-RPT reports (RFC 8460): the bytes as received, the core's findings, and normalised rows
-- for the daily summaries. One report per organisation and report id (a resend is stored once).
CREATE TABLE reports (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organization TEXT NOT NULL,
    report_id TEXT NOT NULL,
    -- The UTC day the report's date range starts (YYYY-MM-DD); NULL when it has no readable date.
    day TEXT,
    start_datetime TEXT,
    end_datetime TEXT,
    contact_info TEXT,
    received_at BIGINT NOT NULL,
    source TEXT NOT NULL,
    media_type TEXT NOT NULL,
    raw BYTEA NOT NULL,
    valid BIGINT NOT NULL,
    findings TEXT NOT NULL,
    UNIQUE (organization, report_id)
);

CREATE TABLE report_policies (
    report BIGINT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    idx BIGINT NOT NULL,
    policy_type TEXT,
    policy_domain TEXT NOT NULL,
    day TEXT,
    organization TEXT NOT NULL,
    successful BIGINT NOT NULL,
    failed BIGINT NOT NULL,
    PRIMARY KEY (report, idx)
);
CREATE INDEX report_policies_by_domain_day ON report_policies (policy_domain, day);

-- A policy's failed sessions by result type, receiving MX and sending IP.
CREATE TABLE policy_failures (
    report BIGINT NOT NULL,
    idx BIGINT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    failed BIGINT NOT NULL,
    FOREIGN KEY (report, idx) REFERENCES report_policies (report, idx) ON DELETE CASCADE
);
CREATE INDEX policy_failures_by_policy ON policy_failures (report, idx);
