"""Activities on an account's timeline (issue 17): calls, meetings and messages, logged through the API
or by the signed inbound webhook of a telephony or messenger provider."""
