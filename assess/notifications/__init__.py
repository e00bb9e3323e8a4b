"""Notifications (消息通知): the store per user, the bell and its list, deadline reminders
and the office's 催报."""
