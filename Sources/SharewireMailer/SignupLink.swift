import Foundation

/// The sign-up page an invite links to, from a template such as
/// `https://app.example.com/signup?email={email}`: `{email}` is replaced by
/// the invitee's address, percent-encoded for a query value or path segment
/// (so `+` and `&` in an address survive).
public struct SignupLink: Sendable, Hashable {
    public let template: String

    /// Why a template was refused.
    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    public init(_ template: String) throws(Invalid) {
        guard template.hasPrefix("https://") || template.hasPrefix("http://") else {
            throw Invalid(description: "the sign-up URL must start with https:// (or http://), got \(template)")
        }
        guard template.contains("{email}") else {
            throw Invalid(description: "the sign-up URL must contain {email}, where the invitee's address goes")
        }
        guard URL(string: template.replacingOccurrences(of: "{email}", with: "x")) != nil,
            !template.contains(where: { $0.isWhitespace || $0 == "\"" || $0 == "<" || $0 == ">" })
        else {
            throw Invalid(description: "the sign-up URL is not a valid URL: \(template)")
        }
        self.template = template
    }

    /// The link for `email`.
    public func url(for email: String) -> String {
        // RFC 3986 unreserved characters only: everything else, `@` and `+` included, is escaped.
        var allowed = CharacterSet.alphanumerics.intersection(
            CharacterSet(charactersIn: Unicode.Scalar(0)...Unicode.Scalar(127)))
        allowed.insert(charactersIn: "-._~")
        let encoded = email.addingPercentEncoding(withAllowedCharacters: allowed) ?? email
        return template.replacingOccurrences(of: "{email}", with: encoded)
    }
}
