"""Board members: accounts and invitations, board sign-in sessions, passwords and second factors."""
