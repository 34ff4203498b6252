"""Telling the controller: the outbox, webhooks (Standard Webhooks), e-mail, the dispatcher."""
