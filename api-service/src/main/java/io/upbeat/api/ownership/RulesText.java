package io.upbeat.api.ownership;

import io.upbeat.assignment.OwnershipRules;
import io.upbeat.support.web.ApiException;
import io.upbeat.support.web.ErrorBody.Detail;
import io.upbeat.support.web.ErrorCode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Reads and validates an ownership rules body: at most {@link #MAX_BYTES}, text in its declared
 * charset (UTF-8 by default), no control characters but tab and line breaks (PostgreSQL refuses
 * NUL), and every line a rule, a comment or blank, as {@link OwnershipRules#parse} decides.
 */
final class RulesText {
  /** 64 KiB: thousands of rules, far more than any CODEOWNERS file people maintain by hand. */
  static final int MAX_BYTES = 64 * 1024;

  private RulesText() {}

  /**
   * @param declaredLength the Content-Length, or -1 when unknown
   * @return the validated text, without a leading byte order mark
   * @throws ApiException 413 beyond the limit (counted while reading, whatever the header says);
   *     400 {@code invalid_payload} naming the bad line as {@code line N}
   */
  static String read(InputStream body, long declaredLength, Charset charset) throws IOException {
    if (declaredLength > MAX_BYTES) {
      throw tooLarge();
    }
    byte[] bytes = body.readNBytes(MAX_BYTES + 1);
    if (bytes.length > MAX_BYTES) {
      throw tooLarge();
    }
    String text = decode(bytes, charset);
    if (text.startsWith("\uFEFF")) {
      text = text.substring(1);
    }
    return check(text);
  }

  /**
   * Validates rules given as text (the settings page's form): at most {@link #MAX_BYTES} in UTF-8,
   * the rest as {@link #read}.
   *
   * @return the text, unchanged
   */
  static String validate(String text) {
    if (text.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
      throw tooLarge();
    }
    return check(text);
  }

  private static String check(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isISOControl(c) && c != '\t' && c != '\n' && c != '\r') {
        throw invalidLine(lineOf(text, i), "must not contain control characters");
      }
    }
    try {
      OwnershipRules.parse(text);
    } catch (OwnershipRules.InvalidRuleException e) {
      String prefix = "line " + e.line() + ": ";
      String problem = e.getMessage();
      throw invalidLine(
          e.line(), problem.startsWith(prefix) ? problem.substring(prefix.length()) : problem);
    }
    return text;
  }

  private static String decode(byte[] bytes, Charset charset) {
    try {
      return charset
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new ApiException(
          ErrorCode.INVALID_PAYLOAD,
          "The rules are not valid " + charset.name() + " text.",
          List.of(new Detail("$", "must be " + charset.name() + " text")));
    }
  }

  private static int lineOf(String text, int index) {
    int line = 1;
    for (int i = 0; i < index; i++) {
      if (text.charAt(i) == '\n') {
        line++;
      }
    }
    return line;
  }

  private static ApiException invalidLine(int line, String problem) {
    return new ApiException(
        ErrorCode.INVALID_PAYLOAD,
        "Line " + line + " of the ownership rules is invalid.",
        List.of(new Detail("line " + line, problem)));
  }

  private static ApiException tooLarge() {
    return new ApiException(
        ErrorCode.PAYLOAD_TOO_LARGE, "The ownership rules may be at most 64 KiB.");
  }
}
