"""The SWV's quarterly thuiszitter report as a document: CSV, HTML and PDF from the API's JSON."""
