import Crypto
import Foundation

public enum Hashing {
    public static func md5(_ data: Data) -> String { Insecure.MD5.hash(data: data).hex }
}
