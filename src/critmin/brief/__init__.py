"""The self-contained HTML briefing (`critmin brief`)."""
