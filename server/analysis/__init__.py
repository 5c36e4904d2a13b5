"""ADaM analysis datasets (ADSL, ADQS, ADLB, ADAE) built from the current revisions: what the report computes from."""
