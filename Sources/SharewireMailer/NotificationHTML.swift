import Foundation
import SharewireClient

/// The HTML alternative of a notification mail: the same text as the plain
/// part (the server renders only text), escaped, with paragraphs and line
/// breaks kept, and the footer set apart. Deliberately simple markup with
/// inline styles only: mail clients ignore style sheets and scripts.
public enum NotificationHTML {
    /// A whole HTML document for `body` and `footer` in `language`.
    public static func document(
        subject: String, body: String, link: (label: String, url: String)? = nil,
        footer: String, language: Language
    ) -> String {
        let paragraphs = normalized(body).components(separatedBy: "\n\n")
            .filter { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
            .map {
                "<p style=\"margin:0 0 1em 0\">" + escape($0).replacingOccurrences(of: "\n", with: "<br>\n") + "</p>"
            }
        let button =
            link.map {
                "\n<p style=\"margin:1.5em 0\"><a href=\"\(escape($0.url))\" style=\"background:#1a73e8;color:#fff;"
                    + "padding:10px 18px;border-radius:4px;text-decoration:none\">\(escape($0.label))</a></p>"
            } ?? ""
        return """
            <!DOCTYPE html>
            <html lang="\(language.rawValue)">
            <head><meta charset="utf-8"><title>\(escape(subject))</title></head>
            <body style="font-family:sans-serif;font-size:15px;line-height:1.5;color:#222">
            \(paragraphs.joined(separator: "\n"))\(button)
            <hr style="border:none;border-top:1px solid #ccc">
            <p style="color:#666;font-size:12px">\(escape(footer))</p>
            </body>
            </html>

            """
    }

    /// `text` with `&`, `<`, `>`, `"` and `'` as character references.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    private static func normalized(_ text: String) -> String {
        text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
    }
}
