package io.upbeat.support.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

class ErrorBodyAdviceTest {
  private final MockMvc mvc =
      MockMvcBuilders.standaloneSetup(new TestController())
          .setControllerAdvice(new ErrorBodyAdvice())
          .build();

  @Test
  void malformedJsonIsInvalidJson() throws Exception {
    mvc.perform(post("/things").contentType(MediaType.APPLICATION_JSON).content("{\"count\": "))
        .andExpect(status().isBadRequest())
        .andExpect(jsonPath("$.error").value("invalid_json"))
        .andExpect(jsonPath("$.message").isNotEmpty())
        .andExpect(jsonPath("$.details").isArray());
  }

  @Test
  void wellFormedJsonOfTheWrongShapeNamesTheField() throws Exception {
    mvc.perform(
            post("/things")
                .contentType(MediaType.APPLICATION_JSON)
                .content("{\"count\": {\"nested\": true}}"))
        .andExpect(status().isBadRequest())
        .andExpect(jsonPath("$.error").value("invalid_payload"))
        .andExpect(jsonPath("$.details[0].field").value("count"));
  }

  @Test
  void wrongContentTypeIs415() throws Exception {
    mvc.perform(post("/things").contentType(MediaType.TEXT_PLAIN).content("hello"))
        .andExpect(status().isUnsupportedMediaType())
        .andExpect(jsonPath("$.error").value("unsupported_media_type"));
  }

  @Test
  void wrongMethodIs405WithAllow() throws Exception {
    mvc.perform(delete("/things"))
        .andExpect(status().isMethodNotAllowed())
        .andExpect(header().exists("Allow"))
        .andExpect(jsonPath("$.error").value("method_not_allowed"));
  }

  @Test
  void pathVariableOfTheWrongTypeNamesIt() throws Exception {
    mvc.perform(get("/things/abc"))
        .andExpect(status().isBadRequest())
        .andExpect(jsonPath("$.error").value("invalid_payload"))
        .andExpect(jsonPath("$.details[0].field").value("id"));
  }

  @Test
  void missingParameterNamesIt() throws Exception {
    mvc.perform(get("/search"))
        .andExpect(status().isBadRequest())
        .andExpect(jsonPath("$.details[0].field").value("q"))
        .andExpect(jsonPath("$.details[0].problem").value("is required"));
  }

  @Test
  void apiExceptionCarriesRetryAfterRoundedUp() throws Exception {
    mvc.perform(get("/limited"))
        .andExpect(status().isTooManyRequests())
        .andExpect(header().string("Retry-After", "2"))
        .andExpect(jsonPath("$.error").value("rate_limited"));
  }

  @Test
  void unexpectedExceptionRevealsNothingInternal() throws Exception {
    String body =
        mvc.perform(get("/boom"))
            .andExpect(status().isInternalServerError())
            .andExpect(jsonPath("$.error").value("internal"))
            .andReturn()
            .getResponse()
            .getContentAsString();
    assertThat(body).doesNotContain("SELECT", "IllegalStateException", "TestController");
  }

  @Test
  void containerErrorsGetTheContractBody() {
    MockHttpServletRequest request = new MockHttpServletRequest("GET", "/error");
    request.setAttribute("jakarta.servlet.error.status_code", 413);

    var response = new ContractErrorController().error(request);

    assertThat(response.getStatusCode().value()).isEqualTo(413);
    assertThat(response.getBody().error()).isEqualTo("payload_too_large");
  }

  @Test
  void detailsAreCutAtFifty() {
    List<ErrorBody.Detail> many =
        IntStream.range(0, 80).mapToObj(i -> new ErrorBody.Detail("f" + i, "bad")).toList();

    assertThat(new ErrorBody("invalid_payload", "bad", many).details()).hasSize(50);
  }

  @RestController
  static class TestController {
    record Thing(int count) {}

    @PostMapping(path = "/things", consumes = MediaType.APPLICATION_JSON_VALUE)
    Thing create(@RequestBody Thing thing) {
      return thing;
    }

    @GetMapping("/things/{id}")
    String one(@PathVariable int id) {
      return "thing " + id;
    }

    @GetMapping("/search")
    String search(@RequestParam String q) {
      return q;
    }

    @GetMapping("/limited")
    String limited() {
      throw new ApiException(
          ErrorCode.RATE_LIMITED, "Slow down.", List.of(), Duration.ofMillis(1500));
    }

    @GetMapping("/boom")
    String boom() {
      throw new IllegalStateException("SELECT secret FROM internals");
    }
  }
}
