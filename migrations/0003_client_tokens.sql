-- Answers to mutating calls made with an x-client-token, so that a retry
-- gets the first answer instead of acting twice.
CREATE TABLE client_tokens (
    caller      TEXT    NOT NULL,
    token       TEXT    NOT NULL,
    -- The method and the encoded request: the same token with another
    -- request is a conflict.
    fingerprint BLOB    NOT NULL,
    -- The first answer, as JSON.
    response    TEXT    NOT NULL,
    time        INTEGER NOT NULL,
    PRIMARY KEY (caller, token)
);
