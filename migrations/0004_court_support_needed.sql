-- What a client needs on the day of a hearing (for the court-duty run sheet).
ALTER TABLE court_dates ADD COLUMN support_needed TEXT;
