package io.upbeat.api.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

class RequestTextFilterTest {
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final RequestTextFilter filter = new RequestTextFilter(16, meters);

  private MockHttpServletResponse run(MockHttpServletRequest request, MockFilterChain chain)
      throws Exception {
    MockHttpServletResponse response = new MockHttpServletResponse();
    filter.doFilter(request, response, chain);
    return response;
  }

  @Test
  void aChunkedBodyIsHeldToTheLimitWhileReading() throws Exception {
    MockHttpServletRequest request =
        new MockHttpServletRequest("POST", "/api/v1/x") {
          @Override
          public long getContentLengthLong() {
            return -1;
          }

          @Override
          public int getContentLength() {
            return -1;
          }
        };
    request.addHeader("Transfer-Encoding", "chunked");
    request.setContentType("application/json");
    request.setContent("\"0123456789abcdef\"".getBytes(StandardCharsets.US_ASCII));
    MockFilterChain chain = new MockFilterChain();
    MockHttpServletResponse response = run(request, chain);
    assertThat(response.getStatus()).isEqualTo(413);
    assertThat(response.getContentAsString()).contains("\"error\":\"payload_too_large\"");
    assertThat(chain.getRequest()).isNull();
    assertThat(meters.counter("upbeat.api.requests.refused", "reason", "payload_too_large").count())
        .isEqualTo(1);
  }

  @Test
  void aBodyAtTheLimitPassesOnWhole() throws Exception {
    MockHttpServletRequest request = new MockHttpServletRequest("POST", "/api/v1/x");
    request.setContentType("application/json");
    request.setContent("\"0123456789abcd\"".getBytes(StandardCharsets.US_ASCII));
    MockFilterChain chain = new MockFilterChain();
    assertThat(run(request, chain).getStatus()).isEqualTo(200);
    assertThat(chain.getRequest().getInputStream().readAllBytes()).hasSize(16);
  }

  @Test
  void aFormIsDecodedOnceWithQueryParametersFirstAndNulReplaced() throws Exception {
    RequestTextFilter roomy = new RequestTextFilter(1024, meters);
    MockHttpServletRequest request = new MockHttpServletRequest("POST", "/signup");
    request.setQueryString("a=1");
    request.setContentType("application/x-www-form-urlencoded");
    request.setContent("a=2&b=x%00y&c".getBytes(StandardCharsets.US_ASCII));
    MockFilterChain chain = new MockFilterChain();
    roomy.doFilter(request, new MockHttpServletResponse(), chain);
    HttpServletRequest passed = (HttpServletRequest) chain.getRequest();
    assertThat(passed.getParameterValues("a")).containsExactly("1", "2");
    assertThat(passed.getParameter("b")).isEqualTo("x\uFFFDy");
    assertThat(passed.getParameter("c")).isEmpty();
    assertThat(passed.getParameterMap()).containsOnlyKeys("a", "b", "c");
    assertThat(passed.getInputStream().read()).isEqualTo(-1);
    assertThat(meters.counter("upbeat.api.text.replaced", "source", "form").count()).isEqualTo(1);
  }

  @Test
  void aRequestWithoutBodyPassesAsItIs() throws Exception {
    MockHttpServletRequest request = new MockHttpServletRequest("GET", "/api/v1/apps");
    request.setQueryString("environment=production&limit=5");
    MockFilterChain chain = new MockFilterChain();
    assertThat(run(request, chain).getStatus()).isEqualTo(200);
    assertThat(chain.getRequest()).isSameAs(request);
  }
}
