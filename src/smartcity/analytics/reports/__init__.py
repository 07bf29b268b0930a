"""City reports: one period's KPIs, alarms, incidents and anomalies as JSON, CSV, HTML or PDF,
and the subscriptions that deliver them by e-mail or webhook on a schedule."""
