package io.upbeat.api.web;

import io.micrometer.core.instrument.MeterRegistry;
import io.upbeat.events.StorableText;
import io.upbeat.support.web.ApiException;
import io.upbeat.support.web.ErrorBody.Detail;
import io.upbeat.support.web.ErrorCode;
import io.upbeat.support.web.ErrorResponses;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The one gate every request to the API and the dashboard passes before anything reads it (the
 * security filters, Spring MVC, the controllers), so that no endpoint needs checks of its own:
 *
 * <ul>
 *   <li>The query string: every parameter must be validly %-encoded, well-formed UTF-8 without NUL;
 *       otherwise 400 {@code invalid_payload} naming the parameter.
 *   <li>The body is read whole, up to {@code maxBodyBytes} (counted while reading, so a chunked
 *       body without Content-Length is held to it too); beyond it 413 {@code payload_too_large}.
 *   <li>A textual body (JSON, {@code text/*} in UTF-8, a form) must be well-formed UTF-8 ({@link
 *       StorableText#firstMalformedByte}); otherwise 400 naming the field: {@code invalid_json}
 *       with the JSON path of the string for JSON, {@code invalid_payload} with {@code line N} for
 *       text and the parameter's name for forms.
 *   <li>Text that is well-formed but not storable is replaced by U+FFFD and the request goes on:
 *       {@code \u0000} and unpaired surrogate escapes in JSON (names included), NUL in text bodies
 *       and in form parameters. Each replacement counts in {@value #REPLACED}.
 * </ul>
 *
 * Path segments need no check here: the servlet container refuses a NUL, an encoded slash and
 * ill-formed UTF-8 in the path before any filter runs.
 */
final class RequestTextFilter extends OncePerRequestFilter {
  static final String REPLACED = "upbeat.api.text.replaced";
  static final String REFUSED = "upbeat.api.requests.refused";

  private final int maxBodyBytes;
  private final MeterRegistry meters;

  RequestTextFilter(int maxBodyBytes, MeterRegistry meters) {
    if (maxBodyBytes <= 0) {
      throw new IllegalArgumentException("max body size must be positive: " + maxBodyBytes);
    }
    this.maxBodyBytes = maxBodyBytes;
    this.meters = meters;
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    HttpServletRequest checked;
    try {
      checked = check(request);
    } catch (ApiException refused) {
      meters.counter(REFUSED, "reason", refused.code().code()).increment();
      ErrorResponses.write(response, refused);
      return;
    }
    chain.doFilter(checked, response);
  }

  private HttpServletRequest check(HttpServletRequest request) throws IOException {
    Map<String, List<String>> query;
    try {
      query = UrlEncoded.decodeQuery(request.getQueryString());
    } catch (UrlEncoded.Malformed e) {
      throw badParameter(e.field, e.problem);
    }
    for (Map.Entry<String, List<String>> p : query.entrySet()) {
      if (p.getKey().indexOf('\0') >= 0) {
        throw badParameter("query", "has a parameter name with a NUL character");
      }
      for (String value : p.getValue()) {
        if (value.indexOf('\0') >= 0) {
          throw badParameter(p.getKey(), "must not contain a NUL character");
        }
      }
    }
    if (!hasBody(request)) {
      return request;
    }
    byte[] body = read(request);
    MediaType type = contentType(request);
    if (type == null) {
      return new BufferedRequest(request, body, body.length, null);
    }
    try {
      type.getCharset();
    } catch (RuntimeException unknownCharset) {
      throw new ApiException(
          ErrorCode.UNSUPPORTED_MEDIA_TYPE, "The request body's charset is not supported.");
    }
    if (isJson(type)) {
      int bad = StorableText.firstMalformedByte(body, 0, body.length);
      if (bad >= 0) {
        throw new ApiException(
            ErrorCode.INVALID_JSON,
            "The request body is not well-formed UTF-8.",
            List.of(new Detail(JsonText.fieldAt(body, bad), "is not well-formed UTF-8")));
      }
      // Valid UTF-8 JSON never holds a NUL byte (control characters must be escaped), but
      // UTF-16 and UTF-32 JSON always do, and Jackson would detect and read them: escapes in
      // them would slip past the rewrite below.
      int nul = indexOfNul(body);
      if (nul >= 0) {
        throw new ApiException(
            ErrorCode.INVALID_JSON,
            "The request body is not UTF-8 JSON.",
            List.of(
                new Detail(
                    JsonText.fieldAt(body, nul),
                    "must be UTF-8 JSON, with control characters escaped")));
      }
      count(JsonText.replaceUnstorableEscapes(body, body.length), "json");
      return new BufferedRequest(request, body, body.length, null);
    }
    if (MediaType.APPLICATION_FORM_URLENCODED.includes(type)) {
      return form(request, body, query);
    }
    if ("text".equals(type.getType()) && isUtf8(type)) {
      int bad = StorableText.firstMalformedByte(body, 0, body.length);
      if (bad >= 0) {
        String line = "line " + lineOf(body, bad);
        throw new ApiException(
            ErrorCode.INVALID_PAYLOAD,
            "The request body is not well-formed UTF-8 (" + line + ").",
            List.of(new Detail(line, "is not well-formed UTF-8")));
      }
      byte[] storable = replaceNul(body);
      return new BufferedRequest(request, storable, storable.length, null);
    }
    return new BufferedRequest(request, body, body.length, null);
  }

  private HttpServletRequest form(
      HttpServletRequest request, byte[] body, Map<String, List<String>> query) {
    Map<String, List<String>> fields;
    try {
      fields = UrlEncoded.decode(body, body.length, "$");
    } catch (UrlEncoded.Malformed e) {
      throw new ApiException(
          ErrorCode.INVALID_PAYLOAD,
          "The form field " + e.field + " is not valid.",
          List.of(new Detail(e.field, e.problem)));
    }
    int replaced = 0;
    // Query parameters first, then the body's, as the servlet specification orders them.
    Map<String, List<String>> all = new java.util.LinkedHashMap<>(query);
    for (Map.Entry<String, List<String>> f : fields.entrySet()) {
      // Decoded from well-formed UTF-8, a field holds no unpaired surrogate: only NUL is replaced.
      String name = StorableText.storable(f.getKey());
      replaced += nulCount(f.getKey());
      List<String> values = new java.util.ArrayList<>(all.getOrDefault(name, List.of()));
      for (String v : f.getValue()) {
        values.add(StorableText.storable(v));
        replaced += nulCount(v);
      }
      all.put(name, values);
    }
    count(replaced, "form");
    // The body is consumed, as after the container parsed the form itself.
    return new BufferedRequest(request, new byte[0], body.length, all);
  }

  private static int nulCount(String s) {
    int n = 0;
    for (int i = s.indexOf('\0'); i >= 0; i = s.indexOf('\0', i + 1)) {
      n++;
    }
    return n;
  }

  private static boolean hasBody(HttpServletRequest request) {
    return request.getContentLengthLong() > 0 || request.getHeader("Transfer-Encoding") != null;
  }

  private byte[] read(HttpServletRequest request) throws IOException {
    if (request.getContentLengthLong() > maxBodyBytes) {
      throw tooLarge();
    }
    try (InputStream in = request.getInputStream()) {
      byte[] body = in.readNBytes(maxBodyBytes + 1);
      if (body.length > maxBodyBytes) {
        throw tooLarge();
      }
      return body;
    }
  }

  private ApiException tooLarge() {
    return new ApiException(
        ErrorCode.PAYLOAD_TOO_LARGE,
        "The request body is larger than " + describe(maxBodyBytes) + ".");
  }

  private static String describe(int bytes) {
    if (bytes % (1024 * 1024) == 0) {
      return bytes / (1024 * 1024) + " MiB";
    }
    if (bytes % 1024 == 0) {
      return bytes / 1024 + " KiB";
    }
    return bytes + " bytes";
  }

  private static ApiException badParameter(String field, String problem) {
    return new ApiException(
        ErrorCode.INVALID_PAYLOAD,
        "The parameter " + field + " is invalid.",
        List.of(new Detail(field, problem)));
  }

  private static MediaType contentType(HttpServletRequest request) {
    String header = request.getHeader(HttpHeaders.CONTENT_TYPE);
    if (header == null || header.isBlank()) {
      return null;
    }
    try {
      return MediaType.parseMediaType(header);
    } catch (InvalidMediaTypeException e) {
      return null; // Spring MVC answers 415 for it
    }
  }

  private static boolean isJson(MediaType type) {
    return MediaType.APPLICATION_JSON.includes(type)
        || (type.getSubtype().endsWith("+json") && isUtf8(type));
  }

  private static boolean isUtf8(MediaType type) {
    try {
      Charset charset = type.getCharset();
      return charset == null || charset.equals(StandardCharsets.UTF_8);
    } catch (RuntimeException unknownCharset) {
      return false;
    }
  }

  private static int indexOfNul(byte[] bytes) {
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == 0) {
        return i;
      }
    }
    return -1;
  }

  private static int lineOf(byte[] text, int offset) {
    int line = 1;
    for (int i = 0; i < offset; i++) {
      if (text[i] == '\n') {
        line++;
      }
    }
    return line;
  }

  /** {@code text} with every NUL byte (well-formed UTF-8, but no storable text) as U+FFFD. */
  private byte[] replaceNul(byte[] text) {
    int nuls = 0;
    for (byte b : text) {
      if (b == 0) {
        nuls++;
      }
    }
    if (nuls == 0) {
      return text;
    }
    byte[] out = new byte[text.length + 2 * nuls];
    int j = 0;
    for (byte b : text) {
      if (b == 0) {
        out[j++] = (byte) 0xEF;
        out[j++] = (byte) 0xBF;
        out[j++] = (byte) 0xBD;
      } else {
        out[j++] = b;
      }
    }
    count(nuls, "text");
    return out;
  }

  private void count(int replaced, String source) {
    if (replaced > 0) {
      meters.counter(REPLACED, "source", source).increment(replaced);
    }
  }
}
