-- The DNA follow-up alert counts each client's absences in the last 28 days. Read through the
-- date index it visits every session of those weeks (110,000 at 50,000 clients, 0.3 s); an
-- index of the absences alone makes it a few milliseconds.
CREATE INDEX sessions_dna ON sessions (starts_at, client_id) WHERE status = 'dna';

-- The caseload is listed in name order a page at a time: read in this order, the first page
-- of 50,000 clients is found in a millisecond instead of sorting them all (73 ms).
CREATE INDEX clients_name ON clients (last_name COLLATE NOCASE, first_name COLLATE NOCASE, client_ref);
