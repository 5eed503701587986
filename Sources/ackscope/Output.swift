#if canImport(Glibc)
import Glibc
#endif
import TOMLLite

/// Process-level output helpers: stderr lines, files, exit codes. No Foundation.
enum Output {
    /// One line on stderr. Made terminal-safe here too, whatever the caller escaped: the
    /// line may quote a file, and nothing from a file reaches the terminal raw.
    static func error(_ line: String) {
        writeFD(2, "ackscope: " + TerminalText.safe(line, limit: 2_000) + "\n")
    }

    /// Writes straight to a file descriptor (stderr has no Swift-safe global here).
    static func writeFD(_ fd: Int32, _ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n <= 0 { return }
            bytes = bytes.dropFirst(n)
        }
    }

    /// Writes `text` to `path`, or stdout for "-". Returns an error line on failure.
    static func write(_ text: String, to path: String) -> String? {
        if path == "-" {
            print(text, terminator: "")
            return nil
        }
        guard let f = fopen(path, "w") else {
            return "cannot write '\(path)': \(String(cString: strerror(errno)))"
        }
        defer { fclose(f) }
        let bytes = Array(text.utf8)
        let n = bytes.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, f) }
        return n == bytes.count ? nil : "cannot write '\(path)': disk full or I/O error"
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
