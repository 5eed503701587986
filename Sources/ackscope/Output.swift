#if canImport(Glibc)
import Glibc
#endif

/// Process-level output helpers: stderr lines, files, exit codes. No Foundation.
enum Output {
    static func error(_ line: String) {
        writeFD(2, "ackscope: " + line + "\n")
    }

    /// Writes straight to a file descriptor (stderr has no Swift-safe global here).
    ///
    /// Retries a write a signal interrupted: `run` and `compare` catch SIGINT and SIGTERM
    /// without SA_RESTART, and the lines they print after one must not be cut short.
    static func writeFD(_ fd: Int32, _ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            bytes = bytes.dropFirst(n)
        }
    }

    /// A value from the command line made safe to quote in a message on a terminal.
    ///
    /// Control characters (C0, DEL, C1; ESC among them) become visible text (`\x1b`,
    /// `\n`, `\u{9b}`), so a flag value cannot move the cursor, change colours or retitle
    /// the window when an error quotes it. A value longer than `limit` characters is cut,
    /// with an ellipsis and its length: the message stays one readable line.
    static func printable(_ text: String, limit: Int = 80) -> String {
        var out = ""
        var count = 0
        for scalar in text.unicodeScalars {
            count += 1
            if count > limit { continue }
            switch scalar.value {
            case 0x09: out += "\\t"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x00..<0x20, 0x7F: out += "\\x" + hex(scalar.value, digits: 2)
            case 0x80..<0xA0: out += "\\u{" + hex(scalar.value, digits: 2) + "}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        if count > limit { out += "… (\(count) characters)" }
        return out
    }

    private static func hex(_ value: UInt32, digits: Int) -> String {
        let h = String(value, radix: 16)
        return String(repeating: "0", count: max(0, digits - h.count)) + h
    }

    /// Writes `text` to `path`, or stdout for "-". Returns an error line on failure.
    static func write(_ text: String, to path: String) -> String? {
        if path == "-" {
            print(text, terminator: "")
            return nil
        }
        guard let f = fopen(path, "w") else {
            return "cannot write '\(printable(path))': \(String(cString: strerror(errno)))"
        }
        defer { fclose(f) }
        let bytes = Array(text.utf8)
        let n = bytes.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, f) }
        return n == bytes.count ? nil : "cannot write '\(printable(path))': disk full or I/O error"
    }

    /// Reads a whole file as UTF-8, or returns nil.
    static func read(_ path: String) -> String? {
        guard let f = fopen(path, "r") else { return nil }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBufferPointer { fread($0.baseAddress, 1, $0.count, f) }
            if n <= 0 { break }
            bytes += chunk[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Monotonic wall-clock nanoseconds.
    static func monotonicNanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// A field of /proc/self/status in KiB (VmRSS, VmHWM).
    static func procStatusKiB(_ field: String) -> Int? {
        guard let text = read("/proc/self/status") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            let digits = line.dropFirst(field.count + 1).filter { $0.isNumber }
            return Int(String(digits))
        }
        return nil
    }
}
