"""The connector kit: the plumbing every marketplace client shares (classifying a refusal,
reading a JSON body, the refresh-once call, the `Request` a call travels as, a token answer
as a `TokenSet`, reading a list page by page) and what the connectors share beside it
(planning a stock or price push, hosting catalog images, reading ids, whole rupiah), so a
platform holds only its wire: signing, paths, envelopes, its error table, its limits and
its mapping."""
