-- Keys and indexes, built after the COPY of the load (timed with it).
-- Mirrors our register's keys and indexes (person by pnr, history by pnr,
-- journal by sequence, residents by address, persons by birth date) and
-- adds what the peer's extract queries use.
ALTER TABLE road ADD PRIMARY KEY (kommune, vejkode);
ALTER TABLE person ADD PRIMARY KEY (pnr);
ALTER TABLE name_history ADD PRIMARY KEY (pnr, seq, ord);
ALTER TABLE address_history ADD PRIMARY KEY (pnr, seq, ord);
ALTER TABLE civil_history ADD PRIMARY KEY (pnr, seq, ord);
ALTER TABLE status_history ADD PRIMARY KEY (pnr, seq, ord);
ALTER TABLE citizenship_history ADD PRIMARY KEY (pnr, seq, ord);
ALTER TABLE protection ADD PRIMARY KEY (pnr, seq, ord);
ALTER TABLE journal ADD PRIMARY KEY (seq);
ALTER TABLE subscriber ADD PRIMARY KEY (id);
ALTER TABLE mark ADD PRIMARY KEY (subscriber, pnr);
-- who lives or lived at an address (our 'A' index)
CREATE INDEX address_history_address ON address_history (kommune, vejkode, husnr, pnr);
-- persons by birth date (our 'B' index)
CREATE INDEX person_birth ON person (birth_date, pnr);
-- kommune circles of the status extracts
CREATE INDEX person_kommune ON person (kommune);
-- the marks of a touched person, for the change extracts
CREATE INDEX mark_pnr ON mark (pnr);
-- the changes of a day, for the change extracts
CREATE INDEX journal_day ON journal (day);
