"""The connector kit: the plumbing every marketplace client shares (classifying a refusal,
reading a JSON body, the refresh-once call, image download, reading a list page by page), so
a platform's client holds only its wire: signing, paths, envelopes and its error table."""
