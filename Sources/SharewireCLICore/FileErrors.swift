import Foundation

/// File errors in plain words ("no such file", "permission denied") instead
/// of Foundation's `Error Domain=NSCocoaErrorDomain Code=260 …`.
public enum FileErrors {
    /// A short phrase for why reading or writing a file failed.
    public static func describe(_ error: any Error) -> String {
        if let cocoa = error as? CocoaError {
            switch cocoa.code {
            case .fileReadNoSuchFile, .fileNoSuchFile: return "no such file"
            case .fileReadNoPermission, .fileWriteNoPermission: return "permission denied"
            case .fileReadInapplicableStringEncoding, .fileReadCorruptFile: return "not valid UTF-8 text"
            case .fileReadTooLarge: return "file too large"
            case .fileWriteOutOfSpace: return "no space left on the device"
            case .fileWriteVolumeReadOnly: return "read-only file system"
            default:
                if let posix = cocoa.userInfo[NSUnderlyingErrorKey] as? POSIXError { return describe(posix) }
            }
        }
        if let posix = error as? POSIXError { return describe(posix) }
        return "\(error)"
    }

    private static func describe(_ error: POSIXError) -> String {
        switch error.code {
        case .ENOENT: "no such file"
        case .EACCES, .EPERM: "permission denied"
        case .EISDIR: "is a directory"
        case .ENOTDIR: "a parent is not a directory"
        default: "\(error.code)"
        }
    }
}
