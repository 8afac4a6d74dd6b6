-- An adjourned hearing is the one another hearing was adjourned from: every forward-looking view
-- (agenda, action list, run sheet, calendar) leaves it out, so finding it must be quick.

CREATE INDEX court_dates_adjourned_from ON court_dates (adjourned_from_id)
    WHERE adjourned_from_id IS NOT NULL;
