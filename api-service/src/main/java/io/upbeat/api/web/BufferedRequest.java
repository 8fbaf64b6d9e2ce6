package io.upbeat.api.web;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.io.UnsupportedEncodingException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A request whose body {@link RequestTextFilter} has read (and checked, and perhaps rewritten): the
 * body is served from memory, and a form's parameters from what the filter decoded.
 */
final class BufferedRequest extends HttpServletRequestWrapper {
  private final byte[] body;
  private final long contentLength;
  private final Map<String, String[]> parameters;

  /**
   * @param parameters every parameter (query and form) when the filter decoded a form, else null
   *     (the container's own parameters then)
   */
  BufferedRequest(
      HttpServletRequest request,
      byte[] body,
      long contentLength,
      Map<String, List<String>> parameters) {
    super(request);
    this.body = body;
    this.contentLength = parameters == null ? body.length : contentLength;
    if (parameters == null) {
      this.parameters = null;
    } else {
      Map<String, String[]> copy = new LinkedHashMap<>();
      parameters.forEach((k, v) -> copy.put(k, v.toArray(String[]::new)));
      this.parameters = Collections.unmodifiableMap(copy);
    }
  }

  @Override
  public ServletInputStream getInputStream() {
    ByteArrayInputStream in = new ByteArrayInputStream(body);
    return new ServletInputStream() {
      @Override
      public int read() {
        return in.read();
      }

      @Override
      public int read(byte[] b, int off, int len) {
        return in.read(b, off, len);
      }

      @Override
      public boolean isFinished() {
        return in.available() == 0;
      }

      @Override
      public boolean isReady() {
        return true;
      }

      @Override
      public void setReadListener(ReadListener listener) {
        throw new UnsupportedOperationException("the body is already read");
      }
    };
  }

  @Override
  public BufferedReader getReader() throws UnsupportedEncodingException {
    String encoding = getCharacterEncoding();
    Charset charset = encoding == null ? StandardCharsets.UTF_8 : Charset.forName(encoding);
    return new BufferedReader(new InputStreamReader(getInputStream(), charset));
  }

  @Override
  public int getContentLength() {
    return (int) Math.min(Integer.MAX_VALUE, contentLength);
  }

  @Override
  public long getContentLengthLong() {
    return contentLength;
  }

  @Override
  public String getParameter(String name) {
    if (parameters == null) {
      return super.getParameter(name);
    }
    String[] values = parameters.get(name);
    return values == null ? null : values[0];
  }

  @Override
  public Map<String, String[]> getParameterMap() {
    return parameters == null ? super.getParameterMap() : parameters;
  }

  @Override
  public Enumeration<String> getParameterNames() {
    return parameters == null
        ? super.getParameterNames()
        : Collections.enumeration(parameters.keySet());
  }

  @Override
  public String[] getParameterValues(String name) {
    if (parameters == null) {
      return super.getParameterValues(name);
    }
    String[] values = parameters.get(name);
    return values == null ? null : values.clone();
  }
}
