"""What spans features: phase guards that count submissions, reviews and reports, and composite pages."""
