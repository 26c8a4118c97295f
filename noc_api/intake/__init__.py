"""Conversational intake: SMS, WhatsApp and chatbot webhooks, and the IVR's status look-up."""
