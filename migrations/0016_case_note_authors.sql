-- Who wrote a note (issue 16: notes show their author). Notes written before this are left
-- without one: nobody recorded it, and guessing would put words in a colleague's mouth.
ALTER TABLE case_notes ADD COLUMN written_by TEXT;
