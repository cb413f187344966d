"""grants — the small-grants fund: funds and their funders, applications, assessment, awards, payments and
monitoring; and its ward directory, its own copy of the wards service's wards."""
