import PushCodec

/// Typed forms of the commands the cluster needs (pub/sub, a token table in hashes, keys with
/// expiry). Each returns what `send` returns and calls `completion` on the loop; a reply of
/// another type than the command's is `.unexpectedReply`.
extension RedisConnection {
    public typealias Typed<T> = (Result<T, RedisError>) -> Void

    /// PUBLISH: the number of subscribers (on the whole server) that received the message.
    @discardableResult
    public func publish(_ channel: String, _ message: [UInt8], completion: Typed<Int>? = nil) -> Bool {
        send(["PUBLISH", .string(channel), .bytes(message)], completion: Self.map(completion, Self.int))
    }

    @discardableResult
    public func get(_ key: String, completion: @escaping Typed<[UInt8]?>) -> Bool {
        send(["GET", .string(key)], completion: Self.map(completion, Self.optionalBytes))
    }

    /// SET, with `EX seconds` when `expireSeconds` is given.
    @discardableResult
    public func set(_ key: String, _ value: [UInt8], expireSeconds: Int? = nil, completion: Typed<Void>? = nil) -> Bool {
        var arguments: [RESPArgument] = ["SET", .string(key), .bytes(value)]
        if let expireSeconds { arguments += ["EX", .integer(Int64(expireSeconds))] }
        return send(arguments, completion: Self.map(completion, Self.ok))
    }

    /// DEL: how many of `keys` existed.
    @discardableResult
    public func del(_ keys: [String], completion: Typed<Int>? = nil) -> Bool {
        send(["DEL"] + keys.map { .string($0) }, completion: Self.map(completion, Self.int))
    }

    /// EXPIRE: false when the key does not exist.
    @discardableResult
    public func expire(_ key: String, seconds: Int, completion: Typed<Bool>? = nil) -> Bool {
        send(["EXPIRE", .string(key), .integer(Int64(seconds))], completion: Self.map(completion) { (value) throws(RedisError) in try Self.int(value) == 1 })
    }

    @discardableResult
    public func incr(_ key: String, completion: Typed<Int>? = nil) -> Bool {
        send(["INCR", .string(key)], completion: Self.map(completion, Self.int))
    }

    /// HSET: how many fields were new.
    @discardableResult
    public func hset(_ key: String, _ fields: [(String, [UInt8])], completion: Typed<Int>? = nil) -> Bool {
        var arguments: [RESPArgument] = ["HSET", .string(key)]
        for (field, value) in fields { arguments += [.string(field), .bytes(value)] }
        return send(arguments, completion: Self.map(completion, Self.int))
    }

    @discardableResult
    public func hget(_ key: String, _ field: String, completion: @escaping Typed<[UInt8]?>) -> Bool {
        send(["HGET", .string(key), .string(field)], completion: Self.map(completion, Self.optionalBytes))
    }

    /// HGETALL: empty for a missing key.
    @discardableResult
    public func hgetall(_ key: String, completion: @escaping Typed<[String: [UInt8]]>) -> Bool {
        send(["HGETALL", .string(key)], completion: Self.map(completion) { (value) throws(RedisError) in
            guard let elements = value.elements, elements.count % 2 == 0 else { throw Self.unexpected(value) }
            var fields: [String: [UInt8]] = [:]
            for i in stride(from: 0, to: elements.count, by: 2) {
                guard let field = elements[i].text, let bytes = elements[i + 1].bytes else { throw Self.unexpected(value) }
                fields[field] = bytes
            }
            return fields
        })
    }

    /// HDEL: how many of `fields` existed.
    @discardableResult
    public func hdel(_ key: String, _ fields: [String], completion: Typed<Int>? = nil) -> Bool {
        send(["HDEL", .string(key)] + fields.map { .string($0) }, completion: Self.map(completion, Self.int))
    }

    @discardableResult
    public func ping(completion: Typed<Void>? = nil) -> Bool {
        send(["PING"], completion: Self.map(completion) { (value) throws(RedisError) in
            guard value.text == "PONG" else { throw Self.unexpected(value) }
        })
    }

    // MARK: Reply mapping

    private static func map<T>(_ completion: Typed<T>?, _ transform: @escaping (RESPValue) throws(RedisError) -> T) -> Completion? {
        guard let completion else { return nil }
        return { result in
            completion(result.flatMap { value in Result { () throws(RedisError) -> T in try transform(value) } })
        }
    }

    private static func int(_ value: RESPValue) throws(RedisError) -> Int {
        guard let number = value.integer, let int = Int(exactly: number) else { throw unexpected(value) }
        return int
    }

    private static func optionalBytes(_ value: RESPValue) throws(RedisError) -> [UInt8]? {
        if value == .bulkString(nil) { return nil }
        guard case .bulkString(let bytes?) = value else { throw unexpected(value) }
        return bytes
    }

    private static func ok(_ value: RESPValue) throws(RedisError) {
        guard value == .simpleString("OK") else { throw unexpected(value) }
    }

    static func unexpected(_ value: RESPValue) -> RedisError {
        let text = String(describing: value)
        return .unexpectedReply(text.count > 120 ? String(text.prefix(120)) + "…" : text)
    }
}
