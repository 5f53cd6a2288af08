-- The peer's schema: what our register keeps, as a DBA would lay it out in
-- PostgreSQL. One row per person with the facts in force; a bitemporal
-- history table per fact (valid_from/valid_to: when it was true in the
-- world; registered: when the register learned it); a journal of every
-- accepted change numbered by a sequence; the distribution register.
-- The tables are created without keys or indexes: the load COPYs into
-- them and then builds the primary keys and indexes (index.sql), as a DBA
-- loads a large table; that is timed as part of the load, as our bulk load
-- builds its indexes.

-- The road register (vejregister): clear-text addresses are joined from it.
CREATE TABLE road (
	kommune     smallint NOT NULL,
	vejkode     smallint NOT NULL,
	name        text NOT NULL,
	postnr      smallint NOT NULL,
	city        text NOT NULL
);

CREATE TABLE person (
	pnr              bigint NOT NULL,
	current_pnr      bigint,           -- the number that replaced this one (status 60)
	previous_pnr     bigint,           -- the number this one replaced
	status           smallint NOT NULL,
	status_from      date,
	sex              text NOT NULL,
	birth_date       date NOT NULL,
	first_name       text NOT NULL DEFAULT '',
	middle_name      text NOT NULL DEFAULT '',
	last_name        text NOT NULL,
	addressing_name  text NOT NULL,
	name_from        date,
	kommune          smallint NOT NULL, -- 0 when abroad
	vejkode          smallint NOT NULL,
	husnr            text NOT NULL,
	etage            text NOT NULL,
	sidedoer         text NOT NULL,
	address_from     date,
	kommune_from     date,
	previous_kommune smallint,
	foreign_country  smallint,
	foreign_lines    text[],
	civil            text NOT NULL,
	spouse           bigint,
	civil_from       date,
	mother           bigint,
	father           bigint,
	children         bigint[] NOT NULL DEFAULT '{}',
	citizenship      smallint NOT NULL,
	citizen_from     date,
	seq              bigint NOT NULL DEFAULT 0  -- the last change that touched the person
);

CREATE TABLE name_history (
	pnr         bigint NOT NULL,
	seq         bigint NOT NULL,   -- the change that wrote it (0: the bulk load)
	ord         smallint NOT NULL,
	valid_from  date NOT NULL,
	valid_to    date,              -- null: still in force
	registered  timestamptz NOT NULL,
	marker      text NOT NULL DEFAULT ' ',
	first_name  text NOT NULL,
	middle_name text NOT NULL,
	last_name   text NOT NULL,
	addressing_name text NOT NULL
);

CREATE TABLE address_history (
	pnr         bigint NOT NULL,
	seq         bigint NOT NULL,
	ord         smallint NOT NULL,
	valid_from  date NOT NULL,
	valid_to    date,
	registered  timestamptz NOT NULL,
	marker      text NOT NULL DEFAULT ' ',
	kommune     smallint NOT NULL,  -- 0 when abroad
	vejkode     smallint NOT NULL,
	husnr       text NOT NULL,
	etage       text NOT NULL,
	sidedoer    text NOT NULL,
	foreign_country smallint,
	foreign_lines text[]
);

CREATE TABLE civil_history (
	pnr         bigint NOT NULL,
	seq         bigint NOT NULL,
	ord         smallint NOT NULL,
	valid_from  date NOT NULL,
	valid_to    date,
	registered  timestamptz NOT NULL,
	marker      text NOT NULL DEFAULT ' ',
	civil       text NOT NULL,
	spouse      bigint
);

CREATE TABLE status_history (
	pnr         bigint NOT NULL,
	seq         bigint NOT NULL,
	ord         smallint NOT NULL,
	valid_from  date NOT NULL,
	valid_to    date,
	registered  timestamptz NOT NULL,
	status      smallint NOT NULL
);

CREATE TABLE citizenship_history (
	pnr         bigint NOT NULL,
	seq         bigint NOT NULL,
	ord         smallint NOT NULL,
	valid_from  date NOT NULL,
	valid_to    date,
	registered  timestamptz NOT NULL,
	citizenship smallint NOT NULL
);

-- Protections (0001 name and address, 0002 local directory, 0003
-- marketing), each with its own period; valid_to null: open-ended.
CREATE TABLE protection (
	pnr         bigint NOT NULL,
	seq         bigint NOT NULL,
	ord         smallint NOT NULL,
	type        smallint NOT NULL,
	valid_from  date NOT NULL,
	valid_to    date,
	registered  timestamptz NOT NULL
);

CREATE SEQUENCE journal_seq;

CREATE TABLE journal (
	seq          bigint NOT NULL DEFAULT nextval('journal_seq'),
	kind         text NOT NULL,
	pnr          bigint NOT NULL,
	related      bigint[] NOT NULL DEFAULT '{}',
	effective    date NOT NULL,
	registered   timestamptz NOT NULL,
	day          date NOT NULL,      -- the working day of the change (the extract's day)
	kommune_from smallint NOT NULL DEFAULT 0,
	kommune_to   smallint NOT NULL DEFAULT 0
);

CREATE TABLE subscriber (
	id          text NOT NULL,
	kind        text NOT NULL,
	task_number integer NOT NULL,
	scope       text[] NOT NULL,
	kommuner    smallint[] NOT NULL DEFAULT '{}',
	age_min     integer NOT NULL DEFAULT 0,
	age_max     integer NOT NULL DEFAULT 0,
	kinds       text[] NOT NULL DEFAULT '{}',
	marks       boolean NOT NULL DEFAULT false
);

CREATE TABLE mark (
	subscriber  text NOT NULL,
	pnr         bigint NOT NULL,
	key         text NOT NULL
);
