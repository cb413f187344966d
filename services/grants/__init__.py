"""grants — the small-grants fund: funds and their funders, applications, assessment, awards and payments."""
