"""The participant's pages: filing, the receipt, checking a code, the case page, and their forms."""
