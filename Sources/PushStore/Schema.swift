/// The product's schema, oldest first. Append new migrations; never edit a shipped one.
public enum Schema {
    public static var migrations: [Migration] { [authToken, whatsAppMessage, tokenCreation] }

    /// Tokens are stored only as their SHA-256, never in plain text (Docs/security.md, "The database file").
    public static let authToken = Migration(version: 1, name: "auth_token", sql: """
        CREATE TABLE auth_token (
            token_hash  TEXT PRIMARY KEY,            -- lowercase hex SHA-256 of the token
            user_id     TEXT NOT NULL,
            is_active   INTEGER NOT NULL DEFAULT 1,
            created_at  INTEGER NOT NULL,            -- unix seconds
            last_access INTEGER,
            expires_at  INTEGER                      -- NULL: never expires
        );
        CREATE INDEX auth_token_user_id ON auth_token(user_id);
        -- Every deactivation or deletion, by whoever makes it (CLI, API, another process, plain SQL),
        -- leaves a numbered record; the running server polls it to close the token's live sessions.
        CREATE TABLE token_revocation (
            seq        INTEGER PRIMARY KEY AUTOINCREMENT,
            token_hash TEXT NOT NULL
        );
        CREATE TRIGGER auth_token_deactivated AFTER UPDATE OF is_active ON auth_token
            WHEN OLD.is_active = 1 AND NEW.is_active = 0
            BEGIN INSERT INTO token_revocation(token_hash) VALUES (NEW.token_hash); END;
        CREATE TRIGGER auth_token_deleted AFTER DELETE ON auth_token
            BEGIN INSERT INTO token_revocation(token_hash) VALUES (OLD.token_hash); END;
        """)

    /// WhatsApp messages keyed by the upstream id (Docs/whatsapp.md), so a redelivered webhook is a no-op insert;
    /// plus `setting`, the key/value pairs `saveSettings` changes at run time.
    public static let whatsAppMessage = Migration(version: 2, name: "whats_app_message", sql: """
        CREATE TABLE whats_app_message (
            id         TEXT PRIMARY KEY NOT NULL CHECK (id <> ''),
            message_id TEXT NOT NULL UNIQUE CHECK (message_id <> ''),  -- the upstream serialized id
            chat_id    TEXT NOT NULL,
            body       TEXT NOT NULL DEFAULT '',
            from_me    INTEGER NOT NULL,
            timestamp  INTEGER NOT NULL,                 -- unix seconds
            status     TEXT NOT NULL,                    -- Sent / Received / Failed
            ack        INTEGER NOT NULL DEFAULT 0,       -- -1 error ... 4 played
            type       TEXT NOT NULL DEFAULT 'chat',
            has_media  INTEGER NOT NULL DEFAULT 0,
            author     TEXT,                             -- group sender; NULL in 1:1 chats
            created_at INTEGER NOT NULL                  -- unix seconds, when this server stored it
        );
        CREATE INDEX whats_app_message_chat_time ON whats_app_message(chat_id, timestamp);
        CREATE TABLE setting (
            key   TEXT PRIMARY KEY NOT NULL,
            value TEXT NOT NULL
        );
        """)

    /// Every new token, by whoever inserts it (CLI, API, another process, plain SQL), leaves a
    /// numbered record, as revocations do: a node of a cluster pushes its new tokens to the
    /// shared table from this log (Docs/cluster.md), and deletes what it pushed.
    public static let tokenCreation = Migration(version: 3, name: "token_creation", sql: """
        CREATE TABLE token_creation (
            seq        INTEGER PRIMARY KEY AUTOINCREMENT,
            token_hash TEXT NOT NULL
        );
        CREATE TRIGGER auth_token_created AFTER INSERT ON auth_token
            BEGIN INSERT INTO token_creation(token_hash) VALUES (NEW.token_hash); END;
        """)
}
