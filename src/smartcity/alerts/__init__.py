"""Alert rules, their evaluation on committed readings, the alarm lifecycle and raise_alarm()."""
