package io.upbeat.api.web;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The dashboard's settings.
 *
 * @param intakeUrl intake's base URL as agents reach it, shown in the setup snippets of a new app
 *     (the API's own URL is taken from the request)
 */
@ConfigurationProperties("upbeat.dashboard")
public record DashboardProperties(@DefaultValue("http://127.0.0.1:8200") String intakeUrl) {}
