"""Delivery channels (投递渠道): notifications sent on by e-mail and by the units' WeCom and
DingTalk group robots, through an outbox the queue works off, with each person's choices."""
