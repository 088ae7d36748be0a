"""Staff side: question log, gaps report, feedback review, admin accounts and audit log."""
