// Sets the colour theme before the first paint, so a dark page never flashes light: the visitor's
// choice from the header's switch (localStorage), else the system's preference. A file rather
// than an inline script because the Content-Security-Policy allows only same-origin scripts.
(function () {
	var choice = null;
	try {
		choice = localStorage.getItem('mobileone-lab.theme');
	} catch (e) {}
	var dark = choice === 'dark' || (choice !== 'light' && window.matchMedia('(prefers-color-scheme: dark)').matches);
	document.documentElement.setAttribute('data-theme', dark ? 'dark' : 'light');
})();
