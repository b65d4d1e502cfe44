"""CRM tasks (issue 17): something a person must do by a due time about an account or a deal, their
reminders, and the control lists (overdue tasks, deals without an open task, deals stuck in a stage)."""
