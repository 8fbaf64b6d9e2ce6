package io.upbeat.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.upbeat.api.ApiClient.Account;
import io.upbeat.api.ApiClient.Response;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.MethodParameter;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

/**
 * Every endpoint Spring MVC maps (so a new one is covered without touching this test), called by a
 * signed-up user on a real app with what a hostile client sends: a NUL in each path variable and
 * each query parameter, ill-formed UTF-8 in each body, a body over the 1 MiB limit, and a body full
 * of NUL escapes. Each must get a clean 4xx with the contract's error body (or a 2xx where the NULs
 * are replaced), never a 5xx, and never a trace, SQL or class name.
 */
class ITEveryEndpointHostileInput extends ApiIntegrationTest {
  private static final Pattern VARIABLE = Pattern.compile("\\{([^}:]+)(?::[^}]*)?}");
  private static final byte[] OVERLONG_SLASH = {(byte) 0xC0, (byte) 0xAF};
  private static final List<String> LEAKS =
      List.of("Exception", "org.postgresql", "SQLState", "\tat ", "io.upbeat.", "java.lang.");

  /** One JSON body with every field name the API's bodies have, each full of NULs. */
  private static final String NUL_JSON =
      """
      {"\\u0000": "\\u0000", "name": "n\\u0000", "email": "e\\u0000@example.com",
       "password": "p\\u0000\\u0000\\u0000\\u0000\\u0000\\u0000\\u0000\\u0000\\u0000\\u0000",
       "org_name": "o\\u0000", "kind": "secret\\u0000", "version": "v\\u0000",
       "environment": "e\\u0000", "deployer": "\\u0000", "ref": "\\u0000", "url": "http://\\u0000",
       "events": ["new_error\\u0000"], "status": "resolved\\u0000",
       "assignee_email": "\\u0000@example.com", "packages": ["com.\\u0000"], "rules": "\\u0000",
       "kinds": ["\\u0000"], "muted_apps": ["\\u0000"], "cursor": "\\u0000", "keys": ["k\\u0000"],
       "group_ids": ["\\u0000"],
       "commits": [{"sha": "\\u0000", "message": "\\u0000\\uD800", "author_name": "\\uDC00",
                    "files": [{"path": "\\u0000", "change": "modified"}]}]}
      """;

  @Autowired
  @Qualifier("requestMappingHandlerMapping")
  RequestMappingHandlerMapping mappings;

  Account owner;
  Map<String, String> variables;

  record Endpoint(
      String method,
      String pattern,
      List<String> pathVariables,
      List<String> queryParameters,
      List<String> formFields,
      String contentType) {
    @Override
    public String toString() {
      return method + " " + pattern;
    }
  }

  @BeforeEach
  void app() {
    owner = api.newAccount("Every Endpoint");
    String appId =
        api.post("/api/v1/orgs/" + owner.orgId() + "/apps", owner.apiKey(), "{\"name\": \"shop\"}")
            .text("/id");
    assertThat(
            api.post(
                    "/api/v1/apps/" + appId + "/releases", owner.apiKey(), "{\"version\": \"1.0\"}")
                .status())
        .isEqualTo(201);
    variables =
        Map.of(
            "appId",
            appId,
            "orgId",
            owner.orgId().toString(),
            "version",
            "1.0",
            "kind",
            "secret",
            "userId",
            owner.userId().toString());
  }

  private String value(String variable) {
    return variables.getOrDefault(variable, UUID.randomUUID().toString());
  }

  List<Endpoint> endpoints() {
    List<Endpoint> endpoints = new ArrayList<>();
    for (Map.Entry<RequestMappingInfo, HandlerMethod> e : mappings.getHandlerMethods().entrySet()) {
      RequestMappingInfo info = e.getKey();
      HandlerMethod handler = e.getValue();
      Set<RequestMethod> methods = info.getMethodsCondition().getMethods();
      if (methods.isEmpty()) {
        methods = Set.of(RequestMethod.GET, RequestMethod.POST);
      }
      List<String> query = new ArrayList<>();
      boolean jsonBody = false;
      for (MethodParameter p : handler.getMethodParameters()) {
        p.initParameterNameDiscovery(new DefaultParameterNameDiscoverer());
        RequestParam param = p.getParameterAnnotation(RequestParam.class);
        if (param != null) {
          query.add(param.name().isEmpty() ? p.getParameterName() : param.name());
        }
        jsonBody |= p.hasParameterAnnotation(RequestBody.class);
      }
      Set<MediaType> consumes = info.getConsumesCondition().getConsumableMediaTypes();
      String contentType =
          consumes.stream().anyMatch(MediaType.TEXT_PLAIN::includes)
              ? "text/plain"
              : consumes.isEmpty() && !jsonBody
                  ? "application/x-www-form-urlencoded"
                  : "application/json";
      for (String pattern : info.getPatternValues()) {
        List<String> vars = new ArrayList<>();
        Matcher m = VARIABLE.matcher(pattern);
        while (m.find()) {
          vars.add(m.group(1));
        }
        for (RequestMethod method : methods) {
          endpoints.add(
              new Endpoint(
                  method.name(),
                  pattern,
                  vars,
                  query,
                  contentType.startsWith("application/x-www") ? query : List.of(),
                  contentType));
        }
      }
    }
    return endpoints;
  }

  private String path(Endpoint e, String badVariable) {
    String path = e.pattern();
    for (String v : e.pathVariables()) {
      path =
          path.replaceFirst(
              "\\{" + Pattern.quote(v) + "(?::[^}]*)?}",
              Matcher.quoteReplacement(v.equals(badVariable) ? "a%00" : value(v)));
    }
    return path.replace("/**", "/x").replace("/*", "/x");
  }

  private Response send(Endpoint e, String path, String contentType, byte[] body) {
    HttpRequest.BodyPublisher publisher =
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofByteArray(body);
    HttpRequest.Builder b = api.request(path, owner.apiKey()).method(e.method(), publisher);
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    return api.send(b);
  }

  private static boolean hasBody(Endpoint e) {
    return Set.of("POST", "PUT", "PATCH").contains(e.method());
  }

  private static void assertClean(SoftAssertions soft, String what, Response r) {
    soft.assertThat(r.status()).as("%s: %s", what, r.body()).isLessThan(500);
    if (r.status() >= 400) {
      for (String leak : LEAKS) {
        soft.assertThat(r.body()).as("%s leaks", what).doesNotContain(leak);
      }
    }
    soft.assertThat(r.body()).as("%s echoes a NUL", what).doesNotContain("\u0000");
    if (r.status() >= 400
        && r.raw().headers().firstValue("Content-Type").orElse("").contains("json")) {
      soft.assertThat(r.json().at("/error").isString()).as("%s: %s", what, r.body()).isTrue();
      soft.assertThat(r.json().at("/message").isString()).as("%s: %s", what, r.body()).isTrue();
      soft.assertThat(r.json().at("/details").isArray()).as("%s: %s", what, r.body()).isTrue();
    }
  }

  private static void assertRefused(
      SoftAssertions soft, String what, Response r, int status, String code, String field) {
    assertClean(soft, what, r);
    soft.assertThat(r.status()).as("%s: %s", what, r.body()).isEqualTo(status);
    soft.assertThat(r.raw().headers().firstValue("Content-Type").orElse(""))
        .as(what)
        .startsWith("application/json");
    soft.assertThat(r.text("/error")).as("%s: %s", what, r.body()).isEqualTo(code);
    if (field != null) {
      soft.assertThat(r.json().at("/details").findValuesAsString("field"))
          .as("%s: %s", what, r.body())
          .containsExactly(field);
    }
  }

  @Test
  void everyEndpointRefusesHostileInputCleanly() {
    List<Endpoint> endpoints = endpoints();
    // A guardrail that can fail: the API's endpoints are all here.
    assertThat(endpoints)
        .extracting(Endpoint::toString)
        .contains(
            "POST /api/v1/apps/{appId}/releases",
            "GET /api/v1/apps/{appId}/transactions",
            "GET /api/v1/orgs/{orgId}/traces/{trace_id}",
            "GET /orgs/{orgId}/traces/{trace_id}",
            "GET /api/v1/orgs/{orgId}/service-map",
            "GET /orgs/{orgId}/service-map",
            "PUT /api/v1/apps/{appId}/ownership",
            "PATCH /api/v1/apps/{appId}/errors/{groupId}",
            "DELETE /api/v1/me/api-keys/{keyId}",
            "POST /api/v1/me/sessions/revoke",
            "POST /account/api-keys",
            "DELETE /api/v1/apps/{appId}",
            "DELETE /api/v1/orgs/{orgId}",
            "POST /apps/{appId}/settings/delete",
            "POST /signup");
    SoftAssertions soft = new SoftAssertions();
    Set<String> checked = new LinkedHashSet<>();
    for (Endpoint e : endpoints) {
      for (String v : e.pathVariables()) {
        String what = e + " with a NUL in {" + v + "}";
        Response r = send(e, path(e, v), null, null);
        assertRefused(soft, what, r, 400, "invalid_payload", v);
        checked.add(what);
      }
      for (String q : e.queryParameters()) {
        for (String bad : List.of("a%00", "a%C0%AF")) {
          String what = e + " with ?" + q + "=" + bad;
          Response r = send(e, path(e, null) + "?" + q + "=" + bad, null, null);
          assertRefused(soft, what, r, 400, "invalid_payload", q);
          checked.add(what);
        }
      }
      if (!hasBody(e)) {
        continue;
      }
      String type = e.contentType();
      byte[] overlong;
      String field;
      String code;
      if (type.equals("application/json")) {
        overlong = concat("{\"name\": \"a", OVERLONG_SLASH, "\"}");
        field = "name";
        code = "invalid_json";
      } else if (type.equals("text/plain")) {
        overlong = concat("# a", OVERLONG_SLASH, "\n");
        field = "line 1";
        code = "invalid_payload";
      } else {
        overlong = concat("name=a", OVERLONG_SLASH, "");
        field = "name";
        code = "invalid_payload";
      }
      String base = path(e, null);
      assertRefused(
          soft, e + " with overlong UTF-8", send(e, base, type, overlong), 400, code, field);
      byte[] twoMib = new byte[2 * 1024 * 1024];
      Arrays.fill(twoMib, (byte) ' ');
      assertRefused(
          soft, e + " with 2 MiB", send(e, base, type, twoMib), 413, "payload_too_large", null);

      byte[] nuls;
      if (type.equals("application/json")) {
        nuls = NUL_JSON.getBytes(StandardCharsets.UTF_8);
      } else if (type.equals("text/plain")) {
        nuls = "# \u0000\nsrc/\u0000 a\u0000@example.com\n".getBytes(StandardCharsets.UTF_8);
      } else {
        StringBuilder form = new StringBuilder("%00=%00");
        for (String f : e.formFields()) {
          form.append('&').append(f).append("=a%00");
        }
        nuls = form.toString().getBytes(StandardCharsets.US_ASCII);
      }
      assertClean(soft, e + " with NULs", send(e, base, type, nuls));
      checked.add(e + " bodies");
    }
    assertThat(checked).hasSizeGreaterThan(50);
    soft.assertAll();
  }

  private static byte[] concat(String before, byte[] middle, String after) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(before.getBytes(StandardCharsets.UTF_8));
    out.writeBytes(middle);
    out.writeBytes(after.getBytes(StandardCharsets.UTF_8));
    return out.toByteArray();
  }
}
